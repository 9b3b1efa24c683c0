// Test target for gk-java-jwt-decode-without-verify (semgrep --test).
package example;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.interfaces.DecodedJWT;

public class AuthFilter {
    private JWTVerifier verifier;

    String currentUser(String token) {
        // ruleid: gk-java-jwt-decode-without-verify
        DecodedJWT jwt = JWT.decode(token);
        return jwt.getSubject();
    }

    String verifiedUser(String token) {
        DecodedJWT checked = verifier.verify(token);
        // ok: gk-java-jwt-decode-without-verify
        DecodedJWT jwt = JWT.decode(token);
        return checked.getSubject();
    }

    String verifiedUser2(String token) {
        // ok: gk-java-jwt-decode-without-verify
        return verifier.verify(token).getSubject();
    }

    String verifiedThenDecoded(String token) {
        verifier.verify(token);
        // ok: gk-java-jwt-decode-without-verify
        return JWT.decode(token).getKeyId();
    }
}

class HelperVerified {
    String nickname(String token) {
        if (!verifyToken(token)) {
            return null;
        }
        // ok: gk-java-jwt-decode-without-verify
        return JWT.decode(token).getClaim("nickname").asString();
    }

    String unverifiedNickname(String token) {
        // ruleid: gk-java-jwt-decode-without-verify
        return JWT.decode(token).getClaim("nickname").asString();
    }
}
