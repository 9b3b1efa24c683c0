import { Controller, Catch, Injectable } from '@nestjs/common';

// ruleid: gk-routes-js-nest-class
@Controller('users')
export class UsersController {}

// ruleid: gk-routes-js-nest-class
@Catch(HttpException)
export class HttpErrorFilter {}

// ok: gk-routes-js-nest-class
@Injectable()
export class UsersService {}

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  // ruleid: gk-routes-js-nest-class
  app.setGlobalPrefix('api');
  // ok: gk-routes-js-nest-class
  app.enableCors();
}
