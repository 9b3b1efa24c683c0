// Test target for gk-java-insecure-deserialization (semgrep --test).
package example;

import java.beans.XMLDecoder;
import java.io.ObjectInputStream;
import javax.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.*;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

@RestController
public class ImportController {
    @PostMapping("/import")
    public Object importObject(HttpServletRequest request) throws Exception {
        // ruleid: gk-java-insecure-deserialization
        ObjectInputStream in = new ObjectInputStream(request.getInputStream());
        return in.readObject();
    }

    @PostMapping("/import/xml")
    public Object importXml(HttpServletRequest request) throws Exception {
        // ruleid: gk-java-insecure-deserialization
        return new XMLDecoder(request.getInputStream()).readObject();
    }

    @PostMapping("/import/yaml")
    public Object importYaml(@RequestBody String body) {
        // ruleid: gk-java-insecure-deserialization
        Object a = new Yaml().load(body);
        // ok: gk-java-insecure-deserialization
        Object b = new Yaml(new SafeConstructor(new LoaderOptions())).load(body);
        // ok: gk-java-insecure-deserialization
        return objectMapper.readValue(body, ImportDto.class);
    }

    Object fromCache(byte[] cached) throws Exception {
        // ok: gk-java-insecure-deserialization
        return new ObjectInputStream(new java.io.ByteArrayInputStream(cached)).readObject();
    }
}

class YamlImport {
    @PostMapping("/yaml")
    public void load(@RequestParam String content) {
        Yaml unsafe = new Yaml();
        // ruleid: gk-java-insecure-deserialization
        unsafe.load(content);
        Yaml safe = new Yaml(new SafeConstructor(new LoaderOptions()));
        // ok: gk-java-insecure-deserialization
        safe.load(content);
    }
}
