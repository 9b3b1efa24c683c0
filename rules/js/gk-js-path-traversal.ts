// Test target for gk-js-path-traversal: Fastify and NestJS handlers (TypeScript syntax).
import { Controller, Get, Param, Res } from "@nestjs/common";
import { Response } from "express";
import * as fs from "fs";
import * as path from "path";

@Controller("docs")
export class DocsController {
  @Get(":name")
  read(@Param("name") name: string, @Res() res: Response): void {
    // ruleid: gk-js-path-traversal
    const body = fs.readFileSync(path.join("docs", name), "utf8");
    // ok: gk-js-path-traversal
    const safe = fs.readFileSync(path.join("docs", path.basename(name)), "utf8");
    res.send(body + safe);
  }
}

export async function download(request: FastifyRequest<{ Querystring: { file: string } }>, reply: FastifyReply) {
  // ruleid: gk-js-path-traversal
  const stream = fs.createReadStream(`/srv/exports/${request.query.file}`);
  return reply.send(stream);
}
