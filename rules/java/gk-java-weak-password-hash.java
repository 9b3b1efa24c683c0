// Test target for gk-java-weak-password-hash (semgrep --test).
package example;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.commons.codec.digest.DigestUtils;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.NoOpPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

public class PasswordService {
    String hash(String password) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        // ruleid: gk-java-weak-password-hash
        byte[] h = md.digest(password.getBytes(StandardCharsets.UTF_8));
        // ruleid: gk-java-weak-password-hash
        String s = DigestUtils.sha1Hex(password);
        // ruleid: gk-java-weak-password-hash
        String t = DigestUtils.sha256Hex(user.getPassword());
        // ok: gk-java-weak-password-hash
        String etag = DigestUtils.md5Hex(fileContent);
        // ok: gk-java-weak-password-hash
        byte[] fp = md.digest(body.getBytes(StandardCharsets.UTF_8));
        // ok: gk-java-weak-password-hash
        return new BCryptPasswordEncoder().encode(password);
    }

    PasswordEncoder encoder() {
        // ruleid: gk-java-weak-password-hash
        return NoOpPasswordEncoder.getInstance();
    }

    PasswordEncoder goodEncoder() {
        // ok: gk-java-weak-password-hash
        return new BCryptPasswordEncoder(12);
    }
}
