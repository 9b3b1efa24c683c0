// Test target for gk-java-command-injection (semgrep --test).
package example;

import javax.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.*;

@RestController
public class ToolsController {
    @GetMapping("/ping")
    public String ping(@RequestParam String host, HttpServletRequest request) throws Exception {
        // ruleid: gk-java-command-injection
        Runtime.getRuntime().exec("ping -c 1 " + host);
        // ruleid: gk-java-command-injection
        new ProcessBuilder("sh", "-c", "nslookup " + request.getParameter("name")).start();
        String[] cmd = new String[] {"/bin/sh", "-c", "dig " + host};
        // ruleid: gk-java-command-injection
        Runtime.getRuntime().exec(cmd);
        // ok: gk-java-command-injection
        Runtime.getRuntime().exec(new String[] {"uptime"});
        // ok: gk-java-command-injection
        new ProcessBuilder("ping", "-c", "1", "localhost").start();
        // ok: gk-java-command-injection
        new ProcessBuilder("ping", "-c", "1", host).start();
        // ok: gk-java-command-injection
        Runtime.getRuntime().exec("kill -0 " + Integer.parseInt(host));
        return "ok";
    }
}

@RestController
class FilteredTools {
    @GetMapping("/ls")
    public String ls(@RequestParam String dir) throws Exception {
        // ok: gk-java-command-injection
        Runtime.getRuntime().exec("ls -la " + SecurityUtil.shellArgFilter(dir));
        return "ok";
    }
}
