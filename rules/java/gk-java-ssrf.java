// Test target for gk-java-ssrf (semgrep --test).
package example;

import java.net.URL;
import java.net.URI;
import java.net.http.HttpRequest;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;

@RestController
public class PreviewController {
    private RestTemplate restTemplate;

    @GetMapping("/preview")
    public String preview(@RequestParam String url, @RequestParam String id) throws Exception {
        // ruleid: gk-java-ssrf
        restTemplate.getForObject(url, String.class);
        URL target = new URL(url);
        // ruleid: gk-java-ssrf
        target.openConnection();
        // ruleid: gk-java-ssrf
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).build();
        // ok: gk-java-ssrf
        restTemplate.getForObject("https://api.example.com/items/" + id, String.class);
        // ok: gk-java-ssrf
        restTemplate.getForObject(String.format("https://api.example.com/items/%s", id), String.class);
        // ok: gk-java-ssrf
        restTemplate.getForObject("https://api.example.com/status", String.class);
        // ok: gk-java-ssrf
        String host = new URL(url).getHost();
        return host;
    }

    @PostMapping("/webhook")
    public void hook(@RequestBody Hook hook) {
        // ruleid: gk-java-ssrf
        webClient.post().uri(hook.getCallbackUrl()).retrieve();
    }
}
