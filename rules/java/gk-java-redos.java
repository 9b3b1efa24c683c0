// Test target for gk-java-redos (semgrep --test).
package example;

import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.*;

@RestController
public class SearchController {
    @GetMapping("/search")
    public boolean search(@RequestParam String pattern, @RequestParam String text) {
        // ruleid: gk-java-redos
        Pattern p = Pattern.compile(pattern);
        // ruleid: gk-java-redos
        boolean m = text.matches(pattern);
        // ok: gk-java-redos
        Pattern q = Pattern.compile(Pattern.quote(pattern));
        // ok: gk-java-redos
        boolean fixed = pattern.matches("[a-z]+");
        // ok: gk-java-redos
        String[] parts = text.split(",");
        return m;
    }
}
