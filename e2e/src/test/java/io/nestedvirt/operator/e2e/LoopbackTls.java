package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throw-away certificate authority and a serving certificate for IP 127.0.0.1 signed by it, made
 * with the JDK's {@code keytool} (no crypto library needed), for a webhook the API server calls
 * over TLS on loopback. The API server trusts the CA through the webhook's {@code caBundle}.
 *
 * @param serverContext serves with the certificate and its chain
 * @param caBundle the CA certificate, PEM, base64-encoded as {@code clientConfig.caBundle} wants it
 */
record LoopbackTls(SSLContext serverContext, String caBundle) {
  private static final String PASSWORD = "stand-in";

  static LoopbackTls generate() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("loopback-tls");
    Path ca = dir.resolve("ca.p12");
    Path server = dir.resolve("server.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=virt-api stand-in CA",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        ca.toString());
    keytool(
        "-exportcert",
        "-alias",
        "ca",
        "-rfc",
        "-file",
        dir.resolve("ca.pem").toString(),
        "-keystore",
        ca.toString());
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        server.toString());
    keytool(
        "-certreq",
        "-alias",
        "server",
        "-file",
        dir.resolve("server.csr").toString(),
        "-keystore",
        server.toString());
    keytool(
        "-gencert",
        "-alias",
        "ca",
        "-infile",
        dir.resolve("server.csr").toString(),
        "-outfile",
        dir.resolve("server.pem").toString(),
        "-rfc",
        "-validity",
        "2",
        "-ext",
        "san=ip:127.0.0.1",
        "-ext",
        "eku=serverAuth",
        "-ext",
        "ku=digitalSignature",
        "-keystore",
        ca.toString());
    // The signed certificate goes back next to its key, with the CA trusted so the chain is whole.
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        dir.resolve("ca.pem").toString(),
        "-keystore",
        server.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "server",
        "-file",
        dir.resolve("server.pem").toString(),
        "-keystore",
        server.toString());
    try (InputStream in = Files.newInputStream(server)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      store.deleteEntry("ca"); // only the serving key and its chain
      KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
      keys.init(store, PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      String pem = Files.readString(dir.resolve("ca.pem"));
      return new LoopbackTls(
          context, Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IOException("the stand-in's TLS material is unusable", e);
    }
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
