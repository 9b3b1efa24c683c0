// Test target for gk-js-jwt-decode-without-verify: a NestJS guard (TypeScript syntax).
import * as jwt from "jsonwebtoken";

export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    // ruleid: gk-js-jwt-decode-without-verify
    const claims: any = jwt.decode(request.headers.authorization);
    request.user = claims;
    return !!claims;
  }
}

export class VerifyingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    // ok: gk-js-jwt-decode-without-verify
    const { header }: any = jwt.decode(request.headers.authorization, { complete: true });
    request.user = jwt.verify(request.headers.authorization, this.keyFor(header.kid), { algorithms: ["RS256"] });
    return true;
  }
}
