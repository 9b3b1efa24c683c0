package com.example.config;

import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

// Every match of one chain starts where the chain starts; gatekeeper orders the rules by where
// each match ends (the `.permitAll()` of each).
public class SecurityConfig {
  @Bean
  public SecurityFilterChain chain(HttpSecurity http) throws Exception {
    // ruleid: gk-routes-java-security
    http.csrf().disable()
        .authorizeRequests()
        .antMatchers(HttpMethod.OPTIONS).permitAll()
        .antMatchers(HttpMethod.GET, "/articles/**", "/profiles/**").permitAll()
        .antMatchers("/admin/**").hasRole("ADMIN")
        .anyRequest().authenticated();
    // ok: gk-routes-java-security
    http.cors().and().csrf().disable();
    return http.build();
  }

  @Bean
  public SecurityFilterChain lambdas(HttpSecurity http) throws Exception {
    // ruleid: gk-routes-java-security
    http.authorizeHttpRequests(auth -> auth
        .requestMatchers("/users/login", "/users").permitAll()
        .anyRequest().authenticated());
    return http.build();
  }
}
