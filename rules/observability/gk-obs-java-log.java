package com.acme;

class LoginService {
    void login(User user, String password) {
        // ruleid: gk-obs-java-log
        System.out.println("login " + user.getId());
        // ruleid: gk-obs-java-log
        log.info("user " + user.getId() + " logged in");
        // ruleid: gk-obs-java-log
        LOGGER.debug("user {} logged in", user.getId());
        // ruleid: gk-obs-java-log
        logger.warn("bad password {}", password);
        try {
            save(user);
        } catch (Exception e) {
            // ruleid: gk-obs-java-log
            e.printStackTrace();
        }
        // ok: gk-obs-java-log
        Math.log(2.0);
        // ok: gk-obs-java-log
        catalog.info("x");
        // ok: gk-obs-java-log
        builder.append("x");
    }

    public static void main(String[] args) {
        // ok: gk-obs-java-log
        System.out.println("usage: login USER");
    }
}
