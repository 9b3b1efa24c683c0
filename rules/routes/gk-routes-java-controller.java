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

// ok: gk-routes-java-controller
@Service
class UserService {
}
