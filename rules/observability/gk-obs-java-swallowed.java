package com.acme;

class OrderService {
    void save(Order order) {
        try {
            repository.save(order);
        // ruleid: gk-obs-java-swallowed
        } catch (Exception e) {
        }
        try {
            repository.save(order);
        // ok: gk-obs-java-swallowed
        } catch (NumberFormatException e) {
        }
        try {
            repository.save(order);
        // ok: gk-obs-java-swallowed
        } catch (Exception e) {
            log.error("save failed", e);
        }
    }
}
