package com.acme.users;

@RestController
@RequestMapping("/api/users")
public class UserController {
    // ruleid: gk-routes-java-mapping
    @GetMapping("/{id}")
    public UserDto get(@PathVariable Long id) {
        return service.get(id);
    }

    // ruleid: gk-routes-java-mapping
    @RequestMapping(value = "/{id}", method = RequestMethod.DELETE)
    public void delete(@PathVariable Long id) {
        service.delete(id);
    }

    // ruleid: gk-routes-java-mapping
    @GET
    @Path("{id}/items")
    public List<ItemDto> items(@PathParam("id") long id, @QueryParam("page") int page) {
        return service.items(id, page);
    }

    // ok: gk-routes-java-mapping
    @Transactional
    public void helper() {
    }
}
