// Test target for gk-java-xpath-injection (semgrep --test).
package example;

import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import javax.servlet.http.HttpServletRequest;

public class CatalogServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws Exception {
        XPath xpath = XPathFactory.newInstance().newXPath();
        String user = request.getParameter("user");
        // ruleid: gk-java-xpath-injection
        xpath.evaluate("//users/user[name='" + user + "']/email", doc);
        // ruleid: gk-java-xpath-injection
        xpath.compile("//item[@id='" + request.getParameter("id") + "']");
        // ok: gk-java-xpath-injection
        xpath.evaluate("//users/user[name=$name]/email", doc);
        // ok: gk-java-xpath-injection
        xpath.compile("//item[@id='" + Integer.parseInt(request.getParameter("id")) + "']");
    }
}
