// Test target for gk-java-plaintext-password-compare (semgrep --test).
package example;

public class LoginService {
    boolean login(LoginForm form) {
        User user = users.findByEmail(form.getEmail());
        // ruleid: gk-java-plaintext-password-compare
        return user.getPassword().equals(form.getPassword());
    }

    boolean login2(String email, String password) {
        User user = users.findByEmail(email);
        // ruleid: gk-java-plaintext-password-compare
        return password.equals(user.getPassword());
    }

    boolean login3(String email, String rawPassword) {
        User user = users.findByEmail(email);
        // ok: gk-java-plaintext-password-compare
        return passwordEncoder.matches(rawPassword, user.getPassword());
    }

    void register(RegisterForm form) {
        // ok: gk-java-plaintext-password-compare
        if (!form.getPassword().equals(form.getConfirmPassword())) {
            throw new IllegalArgumentException("passwords differ");
        }
        // ok: gk-java-plaintext-password-compare
        boolean same = user.getPassword().equals(hashedPassword);
    }
}
