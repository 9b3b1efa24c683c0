// Test target for gk-go-ldap-injection (semgrep --test).
package auth

import (
	"fmt"

	"github.com/gin-gonic/gin"
	"github.com/go-ldap/ldap/v3"
)

func Lookup(c *gin.Context, conn *ldap.Conn) {
	user := c.PostForm("username")
	req := ldap.NewSearchRequest("dc=example,dc=org", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		// ruleid: gk-go-ldap-injection
		fmt.Sprintf("(&(objectClass=person)(uid=%s))", user),
		[]string{"dn"}, nil)
	conn.Search(req)

	safe := ldap.NewSearchRequest("dc=example,dc=org", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		// ok: gk-go-ldap-injection
		fmt.Sprintf("(&(objectClass=person)(uid=%s))", ldap.EscapeFilter(user)),
		[]string{"dn"}, nil)
	conn.Search(safe)
}
