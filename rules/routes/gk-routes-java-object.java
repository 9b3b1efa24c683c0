package demo;

@RestController
@RequestMapping("/notes")
public class NoteController {
    @GetMapping("/{id}")
    public Note get(@PathVariable Long id) {
        // ruleid: gk-routes-java-object
        return noteRepository.findById(id).orElseThrow();
    }

    @DeleteMapping("/{id}")
    public void delete(@PathVariable("id") Long noteId) {
        // ruleid: gk-routes-java-object
        noteService.deleteNote(noteId);
    }

    // ruleid: gk-routes-java-object
    @PutMapping("/{id}")
    public Note update(@PathVariable Long id, @AuthenticationPrincipal User user, @RequestBody Note body) {
        // ruleid: gk-routes-java-object
        Note note = noteRepository.findById(id).orElseThrow();
        // ruleid: gk-routes-java-object
        if (!note.getOwner().equals(user)) {
            throw new AccessDeniedException("not yours");
        }
        return noteRepository.save(note);
    }

    // ruleid: gk-routes-java-object
    @PreAuthorize("#id == principal.id")
    @DeleteMapping("/{id}/mine")
    public void deleteMine(@PathVariable Long id) {
        // ruleid: gk-routes-java-object
        noteRepository.deleteById(id);
    }

    @GetMapping("/{id}/mine")
    public Note mine(@PathVariable Long id) {
        // ruleid: gk-routes-java-object
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        // ruleid: gk-routes-java-object
        return noteRepository.findByIdAndOwner(id, auth.getName());
    }

    @GetMapping
    public List<Note> list(@RequestParam String tag) {
        // ok: gk-routes-java-object
        return noteRepository.findByTag(tag);
    }

    @GetMapping("/images/{file}")
    public byte[] image(@PathVariable String file) throws IOException {
        // ok: gk-routes-java-object
        return Files.readAllBytes(IMAGES.resolve(FilenameUtils.getName(file)));
    }
}
