// Test target for gk-java-path-traversal (semgrep --test).
package example;

import java.io.File;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.commons.io.FilenameUtils;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.multipart.MultipartFile;

@RestController
public class FileController {
    private final Path base = Paths.get("/srv/files");

    @GetMapping("/download")
    public byte[] download(@RequestParam String name) throws Exception {
        // ruleid: gk-java-path-traversal
        byte[] a = Files.readAllBytes(Paths.get("/srv/files", name));
        // ruleid: gk-java-path-traversal
        FileInputStream in = new FileInputStream("/srv/files/" + name);
        // ruleid: gk-java-path-traversal
        Path p = base.resolve(name);
        // ok: gk-java-path-traversal
        Path safe = base.resolve(FilenameUtils.getName(name));
        // ok: gk-java-path-traversal
        File f = new File("/srv/files/readme.txt");
        // ok: gk-java-path-traversal
        Path q = base.resolve(Paths.get(name).getFileName());
        return a;
    }

    @PostMapping("/upload")
    public void upload(@RequestParam("file") MultipartFile file) throws Exception {
        // ruleid: gk-java-path-traversal
        file.transferTo(new File("/srv/uploads", file.getOriginalFilename()));
        // ok: gk-java-path-traversal
        file.transferTo(new File("/srv/uploads", java.util.UUID.randomUUID() + ".bin"));
    }
}
