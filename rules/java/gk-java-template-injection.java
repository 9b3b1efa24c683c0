// Test target for gk-java-template-injection (semgrep --test).
package example;

import java.io.StringReader;
import java.io.StringWriter;
import freemarker.template.Template;
import org.apache.velocity.app.Velocity;
import org.apache.velocity.VelocityContext;
import org.springframework.web.bind.annotation.*;

@RestController
public class GreetingController {
    @GetMapping("/greet")
    public String greet(@RequestParam String tpl, @RequestParam String name) throws Exception {
        StringWriter out = new StringWriter();
        VelocityContext ctx = new VelocityContext();
        ctx.put("name", name);
        // ruleid: gk-java-template-injection
        Velocity.evaluate(ctx, out, "greet", tpl);
        // ok: gk-java-template-injection
        Velocity.evaluate(ctx, out, "greet", "Hello $name");
        // ruleid: gk-java-template-injection
        Template t = new Template("user", new StringReader(tpl), cfg);
        // ok: gk-java-template-injection
        Template fixed = cfg.getTemplate("greeting.ftl");
        // ok: gk-java-template-injection
        Template fromFile = new Template("greeting", new StringReader(loadResource("greeting.ftl")), cfg);
        return out.toString();
    }
}
