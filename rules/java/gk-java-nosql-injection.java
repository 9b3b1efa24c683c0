// Test target for gk-java-nosql-injection (semgrep --test).
package example;

import org.bson.Document;
import org.springframework.data.mongodb.core.query.BasicQuery;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.*;

@RestController
public class ProductController {
    @GetMapping("/products")
    public Object find(@RequestParam String filter, @RequestParam String name) {
        // ruleid: gk-java-nosql-injection
        mongoTemplate.find(new BasicQuery(filter), Product.class);
        // ruleid: gk-java-nosql-injection
        mongoTemplate.find(new BasicQuery("{ name: '" + name + "' }"), Product.class);
        // ruleid: gk-java-nosql-injection
        collection.find(new Document("$where", "this.name == '" + name + "'"));
        // ok: gk-java-nosql-injection
        mongoTemplate.find(new Query(Criteria.where("name").is(name)), Product.class);
        // ok: gk-java-nosql-injection
        collection.find(new Document("name", name));
        // ok: gk-java-nosql-injection
        return mongoTemplate.find(new BasicQuery("{ active: true }"), Product.class);
    }
}
