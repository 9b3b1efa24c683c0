// Test target for gk-java-tls-verification-disabled (semgrep --test).
package example;

import java.security.cert.X509Certificate;
import javax.net.ssl.*;
import org.apache.http.conn.ssl.NoopHostnameVerifier;

public class InsecureClient {
    TrustManager[] trustAll = new TrustManager[] {
        new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            // ruleid: gk-java-tls-verification-disabled
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }
    };

    void configure(HttpsURLConnection conn) {
        // ruleid: gk-java-tls-verification-disabled
        conn.setHostnameVerifier((hostname, session) -> true);
        // ok: gk-java-tls-verification-disabled
        conn.setHostnameVerifier((hostname, session) -> hostname.equals("api.example.com"));
        // ok: gk-java-tls-verification-disabled
        conn.setHostnameVerifier(HttpsURLConnection.getDefaultHostnameVerifier());
    }

    CloseableHttpClient client() {
        // ruleid: gk-java-tls-verification-disabled
        return HttpClients.custom().setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE).build();
    }
}

class PinningTrustManager implements X509TrustManager {
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    // ok: gk-java-tls-verification-disabled
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        pin(chain[0]);
    }

    public X509Certificate[] getAcceptedIssuers() { return delegate.getAcceptedIssuers(); }
}
