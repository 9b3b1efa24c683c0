// Test target for gk-java-cors-any-origin-credentials (semgrep --test).
package example;

import java.util.List;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.servlet.config.annotation.CorsRegistry;

// ruleid: gk-java-cors-any-origin-credentials
@CrossOrigin(origins = "*", allowCredentials = "true")
class OpenController {}

// ok: gk-java-cors-any-origin-credentials
@CrossOrigin(origins = "https://app.example.com", allowCredentials = "true")
class PartnerController {}

// ok: gk-java-cors-any-origin-credentials
@CrossOrigin(origins = "*")
class PublicController {}

public class CorsConfig {
    public void addCorsMappings(CorsRegistry registry) {
        // ruleid: gk-java-cors-any-origin-credentials
        registry.addMapping("/**").allowedOriginPatterns("*").allowedMethods("GET", "POST").allowCredentials(true);
        // ok: gk-java-cors-any-origin-credentials
        registry.addMapping("/public/**").allowedOrigins("*").allowCredentials(false);
    }

    CorsConfiguration source() {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowCredentials(true);
        // ruleid: gk-java-cors-any-origin-credentials
        config.addAllowedOriginPattern("*");
        return config;
    }

    CorsConfiguration strict() {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowCredentials(true);
        // ok: gk-java-cors-any-origin-credentials
        config.setAllowedOrigins(List.of("https://app.example.com"));
        return config;
    }

    CorsConfiguration open() {
        CorsConfiguration config = new CorsConfiguration();
        // ok: gk-java-cors-any-origin-credentials
        config.setAllowedOrigins(List.of("*"));
        config.setAllowCredentials(false);
        return config;
    }

    void filter(HttpServletRequest request, HttpServletResponse response) {
        // ruleid: gk-java-cors-any-origin-credentials
        response.setHeader("Access-Control-Allow-Origin", request.getHeader("Origin"));
        response.setHeader("Access-Control-Allow-Credentials", "true");
    }
}

class CheckedOriginFilter {
    void filter(HttpServletRequest request, HttpServletResponse response) {
        String origin = request.getHeader("Origin");
        if (origin != null && !TRUSTED_ORIGINS.contains(origin)) {
            response.setStatus(403);
            return;
        }
        // ok: gk-java-cors-any-origin-credentials
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Access-Control-Allow-Credentials", "true");
    }

    void unchecked(HttpServletRequest request, HttpServletResponse response) {
        String origin = request.getHeader("origin");
        if (origin != null) {
            // ruleid: gk-java-cors-any-origin-credentials
            response.setHeader("Access-Control-Allow-Origin", origin);
            response.setHeader("Access-Control-Allow-Credentials", "true");
        }
    }
}
