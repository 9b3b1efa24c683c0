package com.acme.edge;

// ruleid: gk-routes-java-gateway
@SpringBootApplication
public class EdgeApplication {
    public static void main(String[] args) {
        SpringApplication.run(EdgeApplication.class, args);
    }
}

@Configuration
class EdgeRoutes {
    // ruleid: gk-routes-java-gateway
    @Bean
    public RouteLocator proxyRoutes(RouteLocatorBuilder builder) {
        return builder.routes()
                .route(r -> r.path("/orders/**").and().method("GET").uri("lb://orders"))
                .build();
    }

    // ok: gk-routes-java-gateway
    @Bean
    public RouterFunction<ServerResponse> local(Handler h) {
        return route(GET("/ping"), h::ping);
    }
}
