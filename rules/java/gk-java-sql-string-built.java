// Test target for gk-java-sql-string-built (semgrep --test).
package example;

import java.sql.*;
import org.springframework.jdbc.core.JdbcTemplate;

public class ReportDao {
    private static final String TABLE = "reports";
    private static final String COLUMNS = "id, title";
    private JdbcTemplate jdbcTemplate;
    private Connection conn;

    List<Report> byOwner(String owner) throws SQLException {
        Statement st = conn.createStatement();
        // ruleid: gk-java-sql-string-built
        st.executeQuery("SELECT * FROM reports WHERE owner = '" + owner + "'");
        String sql = "DELETE FROM reports WHERE owner = '" + owner + "'";
        // ruleid: gk-java-sql-string-built
        jdbcTemplate.update(sql);
        // ruleid: gk-java-sql-string-built
        jdbcTemplate.queryForList(String.format("SELECT * FROM %s WHERE owner = '%s'", TABLE, owner));
        // ok: gk-java-sql-string-built
        jdbcTemplate.queryForList("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE owner = ?", owner);
        // ok: gk-java-sql-string-built
        jdbcTemplate.queryForList("SELECT * FROM reports WHERE owner = ?", owner);
        String constant = "SELECT * FROM " + TABLE;
        // ok: gk-java-sql-string-built
        jdbcTemplate.queryForList(constant);
        // ok: gk-java-sql-string-built
        cache.update("key-" + owner);
        // ok: gk-java-sql-string-built
        return jdbcTemplate.query("SELECT * FROM reports", mapper);
    }
}
