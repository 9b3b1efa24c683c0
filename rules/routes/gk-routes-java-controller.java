package com.acme.users;

// ruleid: gk-routes-java-controller
@RestController
@RequestMapping("/api/users")
public class UserController {
}

// ruleid: gk-routes-java-controller
@RestControllerAdvice
class ApiErrors {
}

// ruleid: gk-routes-java-controller
@Path("/orders")
class OrderResource {
}

// ok: gk-routes-java-controller
@Service
class UserService {
}
