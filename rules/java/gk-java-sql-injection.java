// Test target for gk-java-sql-injection (semgrep --test).
package example;

import java.sql.*;
import java.util.List;
import javax.persistence.EntityManager;
import javax.persistence.criteria.*;
import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.QueryParam;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.*;

@RestController
public class UserController {
    private JdbcTemplate jdbcTemplate;
    private EntityManager em;
    private Connection connection;

    @GetMapping("/users")
    public List<User> search(@RequestParam("name") String name) throws SQLException {
        Statement stmt = connection.createStatement();
        // ruleid: gk-java-sql-injection
        stmt.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        // ok: gk-java-sql-injection
        PreparedStatement ps = connection.prepareStatement("SELECT * FROM users WHERE name = ?");
        ps.setString(1, name);
        // ok: gk-java-sql-injection
        ps.executeQuery();
        // ok: gk-java-sql-injection
        return jdbcTemplate.query("SELECT * FROM users WHERE name = ?", mapper, name);
    }

    @GetMapping("/users/{id}")
    public User byId(@PathVariable String id, @RequestParam String sort) {
        String sql = String.format("SELECT * FROM users WHERE id = %s", id);
        // ruleid: gk-java-sql-injection
        jdbcTemplate.queryForObject(sql, mapper);
        // ruleid: gk-java-sql-injection
        em.createQuery("from User u order by u." + sort).getResultList();
        // ok: gk-java-sql-injection
        jdbcTemplate.queryForObject("SELECT * FROM users WHERE id = " + Long.parseLong(id), mapper);
        String column = SORT_COLUMNS.getOrDefault(sort, "name");
        // ok: gk-java-sql-injection
        jdbcTemplate.queryForList("SELECT * FROM users ORDER BY " + column);
        // ok: gk-java-sql-injection
        return em.createQuery("from User u where u.id = :id", User.class).setParameter("id", id).getSingleResult();
    }

    @GetMapping("/users/count")
    public int count(@RequestParam int limit, HttpServletRequest request) throws SQLException {
        // ok: gk-java-sql-injection
        jdbcTemplate.queryForObject("SELECT count(*) FROM users LIMIT " + limit, Integer.class);
        String order = request.getParameter("order");
        // ruleid: gk-java-sql-injection
        jdbcTemplate.update("UPDATE users SET rank = rank ORDER BY " + order);
        CriteriaBuilder cb = em.getCriteriaBuilder();
        CriteriaQuery<User> cq = cb.createQuery(User.class);
        Root<User> root = cq.from(User.class);
        cq.where(cb.equal(root.get("name"), request.getParameter("name")));
        // ok: gk-java-sql-injection
        em.createQuery(cq).getResultList();
        // ok: gk-java-sql-injection
        userService.update(request.getParameter("name"));
        return 0;
    }

    @javax.ws.rs.GET
    public List<User> jaxrs(@QueryParam("q") String q) {
        // ruleid: gk-java-sql-injection
        return em.createNativeQuery("SELECT * FROM users WHERE bio LIKE '%" + q + "%'").getResultList();
    }
}
