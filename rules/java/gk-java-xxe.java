// Test target for gk-java-xxe (semgrep --test).
package example;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.stream.XMLInputFactory;

public class XmlImporter {
    Document parse(InputStream in) throws Exception {
        // ruleid: gk-java-xxe
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        return dbf.newDocumentBuilder().parse(in);
    }

    Document parseSafely(InputStream in) throws Exception {
        // ok: gk-java-xxe
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return dbf.newDocumentBuilder().parse(in);
    }

    void stax(InputStream in) throws Exception {
        // ruleid: gk-java-xxe
        XMLInputFactory xif = XMLInputFactory.newInstance();
        xif.createXMLStreamReader(in);
    }

    void staxSafe(InputStream in) throws Exception {
        // ok: gk-java-xxe
        XMLInputFactory xif = XMLInputFactory.newInstance();
        xif.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        xif.createXMLStreamReader(in);
    }

    void sax(InputStream in) throws Exception {
        // ruleid: gk-java-xxe
        SAXParserFactory.newInstance().newSAXParser().parse(in, handler);
    }
}

class HardenedParser {
    private final DocumentBuilderFactory factory;

    HardenedParser() throws Exception {
        // ok: gk-java-xxe
        factory = DocumentBuilderFactory.newInstance();
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    }
}
