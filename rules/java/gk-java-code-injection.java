// Test target for gk-java-code-injection (semgrep --test).
package example;

import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.web.bind.annotation.*;

@RestController
public class CalcController {
    private final ExpressionParser parser = new SpelExpressionParser();

    @GetMapping("/calc")
    public Object calc(@RequestParam String expr) throws Exception {
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
        // ruleid: gk-java-code-injection
        engine.eval(expr);
        // ruleid: gk-java-code-injection
        Object v = parser.parseExpression(expr).getValue();
        // ok: gk-java-code-injection
        engine.eval("1 + 1");
        // ok: gk-java-code-injection
        Object w = parser.parseExpression("#root.name").getValue(new Ctx(expr));
        // ok: gk-java-code-injection
        Object r = parser.parseExpression(RULES.getOrDefault(expr, "0")).getValue();
        // ok: gk-java-code-injection
        return engine.eval(String.valueOf(Integer.parseInt(expr)));
    }

    @PostMapping("/rules")
    public Object rule(@RequestBody RuleDto rule) {
        // ruleid: gk-java-code-injection
        return new ScriptEngineManager().getEngineByName("groovy").eval(rule.getScript());
    }
}

@RestController
class SafeSpel {
    @GetMapping("/filter")
    public Object filter(@RequestParam String expr, Product product) {
        SimpleEvaluationContext ctx = SimpleEvaluationContext.forReadOnlyDataBinding().build();
        // ok: gk-java-code-injection
        return new SpelExpressionParser().parseExpression(expr).getValue(ctx, product);
    }
}
