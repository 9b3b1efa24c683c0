// Test target for gk-java-weak-random-token (semgrep --test).
package example;

import java.security.SecureRandom;
import java.util.Random;
import java.util.UUID;

public class TokenFactory {
    private final Random random = new Random();
    private final SecureRandom secureRandom = new SecureRandom();

    String resetToken() {
        // ruleid: gk-java-weak-random-token
        String token = Long.toHexString(random.nextLong());
        return token;
    }

    int newOtp() {
        // ruleid: gk-java-weak-random-token
        int otp = 100000 + new Random().nextInt(900000);
        return otp;
    }

    void assign(User user) {
        // ruleid: gk-java-weak-random-token
        user.setSessionId(String.valueOf(Math.random()));
        // ok: gk-java-weak-random-token
        user.setApiKey(UUID.randomUUID().toString());
        // ok: gk-java-weak-random-token
        int delay = random.nextInt(100);
        // ok: gk-java-weak-random-token
        int tokenLength = 16 + random.nextInt(8);
    }

    String generateToken() {
        // ruleid: gk-java-weak-random-token
        return Integer.toString(random.nextInt());
    }

    String secureToken() {
        byte[] bytes = new byte[32];
        secureRandom.nextBytes(bytes);
        // ok: gk-java-weak-random-token
        String token = java.util.Base64.getUrlEncoder().encodeToString(bytes);
        return token;
    }

    int pickColor() {
        // ok: gk-java-weak-random-token
        return random.nextInt(COLORS.length);
    }
}
