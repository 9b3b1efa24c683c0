// Test target for gk-js-ssrf: NestJS HttpService with decorated parameters (TypeScript syntax).
import { Controller, Get, Query } from "@nestjs/common";
import { HttpService } from "@nestjs/axios";

@Controller("preview")
export class PreviewController {
  constructor(private readonly httpService: HttpService) {}

  @Get()
  async preview(@Query("url") url: string) {
    // ruleid: gk-js-ssrf
    return this.httpService.get(url).toPromise();
  }

  @Get("user")
  async user(@Query("id") id: string, callbackUrl: string) {
    // ok: gk-js-ssrf
    await this.httpService.get(`https://api.example.com/users/${encodeURIComponent(id)}`).toPromise();
    // ok: gk-js-ssrf
    return this.httpService.get(callbackUrl).toPromise();
  }
}
