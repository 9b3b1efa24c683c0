// Test target for gk-js-sql-injection: NestJS parameters (TypeScript syntax).
import { Body, Controller, Get, Param, Query } from "@nestjs/common";

@Controller("users")
export class UsersController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async find(@Query("name") name: string) {
    // ruleid: gk-js-sql-injection
    return this.dataSource.query(`SELECT * FROM users WHERE name = '${name}'`);
  }

  @Get(":id")
  async one(@Param("id") id: string, other: string) {
    // ok: gk-js-sql-injection
    await this.dataSource.query("SELECT * FROM users WHERE id = $1", [id]);
    // ok: gk-js-sql-injection
    return this.dataSource.query(`SELECT * FROM users WHERE name = '${other}'`);
  }
}
