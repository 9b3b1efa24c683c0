// Test target for gk-java-xss (semgrep --test).
package example;

import java.io.PrintWriter;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.util.HtmlUtils;

@RestController
public class HelloController {
    @GetMapping("/hello")
    public String hello(@RequestParam String name) {
        // ruleid: gk-java-xss
        return "<h1>Hello " + name + "</h1>";
    }

    @GetMapping("/hello-safe")
    public String helloSafe(@RequestParam String name) {
        // ok: gk-java-xss
        return "<h1>Hello " + HtmlUtils.htmlEscape(name) + "</h1>";
    }

    @GetMapping(value = "/echo", produces = MediaType.TEXT_PLAIN_VALUE)
    public String echo(@RequestParam String text) {
        // ok: gk-java-xss
        return text;
    }

    @GetMapping("/user")
    public UserDto user(@RequestParam String name) {
        // ok: gk-java-xss
        return new UserDto(name);
    }

    @GetMapping("/servlet")
    public void servlet(HttpServletRequest request, HttpServletResponse response) throws Exception {
        // ruleid: gk-java-xss
        response.getWriter().write("<p>" + request.getParameter("q") + "</p>");
        PrintWriter out = response.getWriter();
        // ruleid: gk-java-xss
        out.println(request.getParameter("q"));
        // ok: gk-java-xss
        out.println(HtmlUtils.htmlEscape(request.getParameter("q")));
        // ok: gk-java-xss
        out.println("<p>static</p>");
    }
}

@RestController
class EscapingController {
    @GetMapping("/own-escape")
    public String own(@RequestParam String q) {
        // ok: gk-java-xss
        return "<b>" + escapeHtml(q) + "</b>";
    }
}
