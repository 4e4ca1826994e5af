package dev.runway.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.server.TestDatabases;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets sealed with AES-256-GCM in a real SQLite database: what a thief of the database file would see. */
class SecretStoreTest {
    static final String VALUE = "s3cr3t-deploy-key-0123456789";

    @TempDir
    Path dir;

    Database db;
    Path keyFile;
    SecretStore store;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        keyFile = dir.resolve("master.key");
        store = new SecretStore(db, MasterKey.loadOrCreate(keyFile));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void theMasterKeyFileIsPrivateAndReusedAfterARestart() throws Exception {
        assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Base64.getDecoder().decode(Files.readString(keyFile).strip()))
                .hasSize(32);
        store.set("", "DEPLOY_KEY", VALUE, 1);
        SecretStore again = new SecretStore(db, MasterKey.loadOrCreate(keyFile));
        assertThat(again.resolve(null, List.of("deploy_key"))).containsExactly(Map.entry("DEPLOY_KEY", VALUE));
    }

    @Test
    void aStolenDatabaseRevealsNoValue() throws Exception {
        store.set("", "DEPLOY_KEY", VALUE, 1);
        store.set("acme/web", "DEPLOY_KEY", VALUE + "-web", 1);
        db.close();
        byte[] raw = Files.readAllBytes(dir.resolve("runway.db"));
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("DEPLOY_KEY").doesNotContain(VALUE).doesNotContain("s3cr3t");
        assertThat(text).doesNotContain(Base64.getEncoder().encodeToString(VALUE.getBytes(StandardCharsets.UTF_8)));
        // and no row opens under any other key
        db = Database.open(TestDatabases.sqlite(dir));
        SecretStore thief = new SecretStore(db, MasterKey.generate());
        assertThatThrownBy(() -> thief.resolve(null, List.of("DEPLOY_KEY")))
                .hasMessageContaining("was sealed under master key");
    }

    @Test
    void aRepositorysSecretOverridesTheGlobalOneAndUnknownNamesAreLeftOut() {
        assertThat(store.set("", "TOKEN", "global-value", 1)).isTrue();
        assertThat(store.set("acme/web", "TOKEN", "web-value", 1)).isTrue();
        assertThat(store.set("acme/web", "TOKEN", "web-value-2", 2)).isFalse();
        assertThat(store.resolve("acme/web", Set.of("TOKEN", "NOPE")))
                .containsExactly(Map.entry("TOKEN", "web-value-2"));
        assertThat(store.resolve("acme/api", Set.of("TOKEN"))).containsExactly(Map.entry("TOKEN", "global-value"));
        assertThat(store.list(null)).extracting(SecretStore.Secret::scope).containsExactly("", "acme/web");
        assertThat(store.delete("acme/web", "TOKEN")).isTrue();
        assertThat(store.resolve("acme/web", Set.of("TOKEN"))).containsExactly(Map.entry("TOKEN", "global-value"));
    }

    @Test
    void rotationReencryptsEveryValueUnderTheNewKey() throws Exception {
        store.set("", "A", "value-a-123", 1);
        store.set("acme/web", "B", "value-b-456", 1);
        String before = store.keyId();
        MasterKey next = MasterKey.generate();
        MasterKey.replace(keyFile, next);
        assertThat(store.rotate(next, 2)).isEqualTo(2);
        assertThat(store.keyId()).isEqualTo(next.id()).isNotEqualTo(before);
        assertThat(Files.exists(keyFile.resolveSibling("master.key.previous"))).isTrue();
        SecretStore restarted = new SecretStore(db, MasterKey.loadOrCreate(keyFile));
        assertThat(restarted.resolve("acme/web", List.of("A", "B")))
                .containsEntry("A", "value-a-123")
                .containsEntry("B", "value-b-456");
        List<String> keyIds = db.read(c -> Sql.query(c, "SELECT key_id FROM secrets", rs -> rs.getString(1)));
        assertThat(keyIds).containsOnly(next.id());
    }

    @Test
    void aCiphertextMovedToAnotherNameOrAlteredDoesNotOpen() {
        store.set("", "A", "value-a-123", 1);
        store.set("", "B", "value-b-456", 1);
        db.tx(c -> Sql.update(
                c, "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE name = 'A') WHERE name = 'B'"));
        assertThatThrownBy(() -> store.resolve(null, List.of("B"))).hasMessageContaining("the row was altered");
    }

    @Test
    void namesAndValuesAreChecked() {
        assertThatThrownBy(() -> SecretStore.name("1BAD")).hasMessageContaining("is not valid");
        assertThatThrownBy(() -> SecretStore.name("GITHUB_TOKEN")).hasMessageContaining("reserved");
        assertThat(SecretStore.name("deploy_key")).isEqualTo("DEPLOY_KEY");
        assertThatThrownBy(() -> SecretStore.scope("not a repo")).hasMessageContaining("is not owner/name");
        assertThatThrownBy(() -> store.set("", "BIG", "x".repeat(SecretStore.MAX_VALUE_BYTES + 1), 1))
                .hasMessageContaining("at most 48 KiB");
    }

    @Test
    void referencedNamesAreFoundAnywhereInTheSpec() {
        assertThat(SecretReferences.in("{\"run\":\"echo ${{ secrets.Deploy_Key }} ${{ secrets['NPM_TOKEN'] }}\","
                        + "\"if\":\"secrets.X != ''\"}"))
                .containsExactly("DEPLOY_KEY", "X", "NPM_TOKEN");
        assertThat(SecretReferences.in("{\"run\":\"echo no references here\"}")).isEmpty();
    }
}
