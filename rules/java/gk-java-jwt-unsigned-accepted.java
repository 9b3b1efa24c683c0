// Test target for gk-java-jwt-unsigned-accepted (semgrep --test).
package example;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.SignatureAlgorithm;

public class TokenService {
    private JwtParser parser;

    String issue(String subject) {
        // ruleid: gk-java-jwt-unsigned-accepted
        return JWT.create().withSubject(subject).sign(Algorithm.none());
    }

    String issueJjwt(String subject) {
        // ruleid: gk-java-jwt-unsigned-accepted
        return Jwts.builder().setSubject(subject).signWith(SignatureAlgorithm.NONE, key).compact();
    }

    Claims read(String token) {
        // ruleid: gk-java-jwt-unsigned-accepted
        return Jwts.parser().setSigningKey(key).parseClaimsJwt(token).getBody();
    }

    Claims readUnsecured(String token) {
        // ruleid: gk-java-jwt-unsigned-accepted
        return Jwts.parser().unsecured().build().parseUnsecuredClaims(token).getPayload();
    }

    Claims readSigned(String token) {
        // ok: gk-java-jwt-unsigned-accepted
        return Jwts.parserBuilder().setSigningKey(key).build().parseClaimsJws(token).getBody();
    }

    Claims readSigned12(String token) {
        // ok: gk-java-jwt-unsigned-accepted
        return Jwts.parser().verifyWith(key).build().parseSignedClaims(token).getPayload();
    }

    String issueSigned(String subject) {
        // ok: gk-java-jwt-unsigned-accepted
        return JWT.create().withSubject(subject).sign(Algorithm.HMAC256(secret));
    }
}
