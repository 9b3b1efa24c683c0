import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { RouterModule, Routes } from '@nestjs/core';

const routes: Routes = [
  // ruleid: gk-routes-js-nest-module
  { path: 'shop', module: ShopModule },
];

// ruleid: gk-routes-js-nest-module
@Module({
  imports: [
    RouterModule.register([
      // ruleid: gk-routes-js-nest-module
      {
        path: 'admin',
        module: AdminModule,
        // ruleid: gk-routes-js-nest-module
        children: [{ module: UsersModule, path: 'users' }, MetricsModule],
      },
    ]),
    RouterModule.register(routes),
  ],
  controllers: [AppController],
  // ok: gk-routes-js-nest-module
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    // ruleid: gk-routes-js-nest-module
    consumer.apply(AuthMiddleware, AuditMiddleware).forRoutes(UsersController);
    // ruleid: gk-routes-js-nest-module
    consumer
      .apply(LoggerMiddleware)
      .exclude({ path: 'users/login', method: RequestMethod.POST })
      .forRoutes('users/*', { path: 'orders', method: RequestMethod.GET });
    // ok: gk-routes-js-nest-module
    this.cart.apply(discount);
  }
}
