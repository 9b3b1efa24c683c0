package com.acme;

class Clients {
    RestTemplate plain() {
        // ruleid: gk-obs-java-outbound
        return new RestTemplate();
    }

    RestTemplate withFactory(SimpleClientHttpRequestFactory factory) {
        // ruleid: gk-obs-java-outbound
        return new RestTemplate(factory);
    }

    RestTemplate setLater(ClientHttpRequestFactory factory) {
        // ok: gk-obs-java-outbound
        RestTemplate template = new RestTemplate();
        template.setRequestFactory(factory);
        return template;
    }

    RestTemplate fromBuilder(RestTemplateBuilder builder) {
        // ruleid: gk-obs-java-outbound
        return builder.rootUri("https://pay.example").build();
    }

    RestTemplate boundedBuilder(RestTemplateBuilder builder) {
        // ruleid: gk-obs-java-outbound
        return builder.setConnectTimeout(Duration.ofSeconds(2)).setReadTimeout(Duration.ofSeconds(5)).build();
    }

    RestTemplate newBuilder() {
        // ruleid: gk-obs-java-outbound
        return new RestTemplateBuilder().readTimeout(Duration.ofSeconds(3)).build();
    }

    void reactive() {
        // ruleid: gk-obs-java-outbound
        WebClient a = WebClient.create("https://pay.example");
        // ruleid: gk-obs-java-outbound
        WebClient b = WebClient.builder().baseUrl("https://pay.example").build();
        // ruleid: gk-obs-java-outbound
        WebClient c = WebClient.builder().clientConnector(new ReactorClientHttpConnector(client)).build();
        // ok: gk-obs-java-outbound
        WebClient.Builder d = WebClient.builder();
    }

    void jdk() {
        // ruleid: gk-obs-java-outbound
        HttpClient a = HttpClient.newHttpClient();
        // ruleid: gk-obs-java-outbound
        HttpClient b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // ruleid: gk-obs-java-outbound
        HttpClient c = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        // ok: gk-obs-java-outbound
        reactor.netty.http.client.HttpClient d = reactor.netty.http.client.HttpClient.create();
    }
}
