// Test target for gk-java-open-redirect (semgrep --test).
package example;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.*;

@Controller
public class LoginController {
    @GetMapping("/login/done")
    public String done(@RequestParam("next") String next) {
        // ruleid: gk-java-open-redirect
        return "redirect:" + next;
    }

    @GetMapping("/go")
    public void go(HttpServletRequest request, HttpServletResponse response) throws Exception {
        // ruleid: gk-java-open-redirect
        response.sendRedirect(request.getParameter("url"));
        // ok: gk-java-open-redirect
        response.sendRedirect("/home?tab=" + request.getParameter("tab"));
        // ok: gk-java-open-redirect
        response.sendRedirect(request.getContextPath() + "/home");
    }

    @GetMapping("/profile")
    public String profile(@RequestParam String tab) {
        // ok: gk-java-open-redirect
        return "redirect:/profile?tab=" + tab;
    }

    @GetMapping("/static")
    public String fixed() {
        // ok: gk-java-open-redirect
        return "redirect:/home";
    }
}
