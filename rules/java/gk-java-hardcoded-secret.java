// Test target for gk-java-hardcoded-secret (semgrep --test).
package example;

import com.auth0.jwt.algorithms.Algorithm;
import java.sql.Connection;
import java.sql.DriverManager;
import javax.sql.DataSource;

public class Settings {
    // ruleid: gk-java-hardcoded-secret
    private static final String API_KEY = "AKIA1234567890ABCD";

    // ruleid: gk-java-hardcoded-secret
    private String dbPassword = "s3cr3t-Pa55";

    // ok: gk-java-hardcoded-secret
    private static final String PASSWORD_ENV = "DB_PASSWORD";

    // ok: gk-java-hardcoded-secret
    private final String envToken = System.getenv("API_TOKEN");

    // ok: gk-java-hardcoded-secret
    private String passwordLabel = "Password";

    // ok: gk-java-hardcoded-secret
    private String emptySecret = "";

    // ok: gk-java-hardcoded-secret
    private String defaultUser = "admin";

    Connection connect(HikariConfig ds) throws Exception {
        // ruleid: gk-java-hardcoded-secret
        ds.setPassword("hunter22");
        // ok: gk-java-hardcoded-secret
        ds.setPassword(System.getenv("DB_PASSWORD"));
        // ok: gk-java-hardcoded-secret
        String t = vault.getSecret("payments-api");
        // ruleid: gk-java-hardcoded-secret
        this.clientSecret = "Zq8d91kLm0";
        // ruleid: gk-java-hardcoded-secret
        return DriverManager.getConnection("jdbc:postgresql://db/app", "app", "hunter22");
    }

    Algorithm algorithm() {
        // ruleid: gk-java-hardcoded-secret
        return Algorithm.HMAC256("my-jwt-signing-key");
    }

    Algorithm algorithmFromEnv() {
        // ok: gk-java-hardcoded-secret
        return Algorithm.HMAC256(System.getenv("JWT_SECRET"));
    }

    String sign(JwtBuilder b) {
        // ruleid: gk-java-hardcoded-secret
        return b.signWith(SignatureAlgorithm.HS256, "another-signing-key").compact();
    }
}
