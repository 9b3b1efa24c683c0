@Controller('users')
export class UsersController {
  // ruleid: gk-routes-js-nest-method
  @Get(':id')
  findOne(@Param('id') id: string) {
    return this.users.findOne(id);
  }

  // ruleid: gk-routes-js-nest-method
  @Post()
  async create(@Body() dto: CreateUserDto) {
    return this.users.create(dto);
  }

  // ok: gk-routes-js-nest-method
  @ApiOperation({ summary: 'helper' })
  helper() {
    return 1;
  }
}
