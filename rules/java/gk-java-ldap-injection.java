// Test target for gk-java-ldap-injection (semgrep --test).
package example;

import javax.naming.directory.DirContext;
import javax.naming.directory.SearchControls;
import org.springframework.ldap.support.LdapEncoder;
import org.springframework.web.bind.annotation.*;

@RestController
public class DirectoryController {
    private DirContext ctx;

    @GetMapping("/people")
    public Object find(@RequestParam String uid) throws Exception {
        SearchControls sc = new SearchControls();
        // ruleid: gk-java-ldap-injection
        ctx.search("ou=people,dc=example,dc=org", "(uid=" + uid + ")", sc);
        // ok: gk-java-ldap-injection
        ctx.search("ou=people,dc=example,dc=org", "(uid=" + LdapEncoder.filterEncode(uid) + ")", sc);
        // ok: gk-java-ldap-injection
        ctx.search("ou=people,dc=example,dc=org", "(uid={0})", new Object[] {uid}, sc);
        // ok: gk-java-ldap-injection
        return ctx.search("ou=people,dc=example,dc=org", "(objectClass=person)", sc);
    }
}
