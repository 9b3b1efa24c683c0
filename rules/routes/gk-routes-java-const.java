package com.acme.users;

public final class Paths {
    // ruleid: gk-routes-java-const
    public static final String USERS = "/api/users";
    // ok: gk-routes-java-const
    public static final String ROLE = "ADMIN";
    // ok: gk-routes-java-const
    private String mutable = "/x";
}
