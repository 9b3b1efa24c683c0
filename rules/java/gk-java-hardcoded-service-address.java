// Test target for gk-java-hardcoded-service-address (semgrep --test).
package com.example;

import java.net.URI;
import java.sql.DriverManager;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

public class Clients {
    private final RestTemplate rest = new RestTemplate();
    private final String ordersUrl = System.getenv("ORDERS_URL");

    public void calls() throws Exception {
        // ruleid: gk-java-hardcoded-service-address
        rest.getForObject("http://orders-service:8080/api/orders", String.class);
        // ruleid: gk-java-hardcoded-service-address
        WebClient client = WebClient.create("http://localhost:9000");
        // ruleid: gk-java-hardcoded-service-address
        DriverManager.getConnection("jdbc:postgresql://db.internal:5432/app", "app", System.getenv("DB_PASSWORD"));
        // ok: gk-java-hardcoded-service-address
        rest.getForObject(ordersUrl + "/api/orders", String.class);
        // ok: gk-java-hardcoded-service-address
        URI docs = URI.create("https://docs.example.com/api");
    }
}
