// Test target for gk-java-cookie-insecure (semgrep --test).
package example;

import javax.servlet.http.Cookie;
import org.springframework.http.ResponseCookie;

public class SessionCookies {
    void login(HttpServletResponse response, String sid) {
        Cookie cookie = new Cookie("SESSION", sid);
        // ruleid: gk-java-cookie-insecure
        cookie.setHttpOnly(false);
        // ruleid: gk-java-cookie-insecure
        cookie.setSecure(false);
        response.addCookie(cookie);
        Cookie good = new Cookie("SESSION", sid);
        // ok: gk-java-cookie-insecure
        good.setHttpOnly(true);
        // ok: gk-java-cookie-insecure
        good.setSecure(true);
    }

    ResponseCookie refresh(String value) {
        // ruleid: gk-java-cookie-insecure
        return ResponseCookie.from("refresh", value).path("/").secure(false).build();
    }

    ResponseCookie refreshSafe(String value) {
        // ok: gk-java-cookie-insecure
        return ResponseCookie.from("refresh", value).httpOnly(true).secure(true).sameSite("Strict").build();
    }
}
