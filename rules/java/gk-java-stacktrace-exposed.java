// Test target for gk-java-stacktrace-exposed (semgrep --test).
package example;

import java.io.PrintWriter;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.springframework.web.bind.annotation.*;

public class Errors {
    void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            work();
        } catch (Exception e) {
            // ruleid: gk-java-stacktrace-exposed
            e.printStackTrace(response.getWriter());
            // ok: gk-java-stacktrace-exposed
            e.printStackTrace();
            // ok: gk-java-stacktrace-exposed
            log.error("work failed", e);
        }
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<String> handle(Exception e) {
        // ruleid: gk-java-stacktrace-exposed
        return ResponseEntity.status(500).body(ExceptionUtils.getStackTrace(e));
    }

    @ExceptionHandler(IllegalStateException.class)
    public ResponseEntity<String> handleState(IllegalStateException e) {
        log.error("failure", e);
        // ok: gk-java-stacktrace-exposed
        return ResponseEntity.status(500).body("internal error");
    }
}
