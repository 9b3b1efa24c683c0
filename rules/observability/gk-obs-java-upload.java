package com.acme.files;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
public class FilesController {
    @PostMapping("/files")
    public void upload(@RequestParam("file") MultipartFile file) throws Exception {
        // ruleid: gk-obs-java-upload
        file.transferTo(Path.of("/data", file.getOriginalFilename()));
        // ruleid: gk-obs-java-upload
        Files.copy(file.getInputStream(), Path.of("/data/copy"));
    }

    @PostMapping("/s3")
    public void toS3(@RequestParam("file") MultipartFile file) throws Exception {
        // ok: gk-obs-java-upload
        s3.putObject(request, RequestBody.fromInputStream(file.getInputStream(), file.getSize()));
    }
}
