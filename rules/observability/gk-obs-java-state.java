package com.acme.rates;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class RatesController {
    private final Map<String, Double> cache = new HashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final RatesClient client;

    public RatesController(RatesClient client) {
        this.client = client;
    }

    @GetMapping("/rates/{code}")
    public double rate(@PathVariable String code) {
        // ruleid: gk-obs-java-state
        cache.put(code, 1.0);
        // ruleid: gk-obs-java-state
        hits.incrementAndGet();
        Map<String, Double> local = new HashMap<>();
        // ok: gk-obs-java-state
        local.put(code, 2.0);
        return client.fetch(code);
    }

    void warm() {
        // ok: gk-obs-java-state
        cache.put("EUR", 1.0);
    }
}
