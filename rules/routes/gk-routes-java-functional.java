package com.acme.shop;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

@Configuration
public class Routes {
    // ruleid: gk-routes-java-functional
    @Bean
    public RouterFunction<ServerResponse> orderRoutes(OrderHandler orders) {
        return route(GET("/orders/{id}"), orders::get);
    }

    // ruleid: gk-routes-java-functional
    RouterFunction<?> userRoutes(UserHandler users) {
        return route().GET("/users", users::list).build();
    }

    // ok: gk-routes-java-functional
    @Bean
    public WebClient webClient() {
        return WebClient.create();
    }
}
