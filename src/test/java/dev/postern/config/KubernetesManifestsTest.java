package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.tls.SelfSignedCertificates;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in {@code deploy/k8s}, read with the fabric8 Kubernetes model: nothing the model does not know
 * (a misspelt field would be ignored by a lenient reader and by {@code kubectl apply} with a warning), and every
 * cross-reference right: ports, probe paths, the ConfigMap and Secrets the pod mounts and the paths Postern's own
 * config names in them, which Postern's config loader reads.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("deploy/k8s");
    private static final List<HasMetadata> RESOURCES = new ArrayList<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void read() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (String document : Files.readString(file, StandardCharsets.UTF_8).split("(?m)^---$")) {
                    HasMetadata resource = serialization.unmarshal(document);
                    assertNotNull(resource, file + ": an empty document");
                    RESOURCES.add(resource);
                }
            }
        }
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        return RESOURCES.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + DIR));
    }

    @Test
    void everyFieldIsOneTheModelKnows() {
        assertEquals(Set.of("ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget",
                "HorizontalPodAutoscaler"), RESOURCES.stream().map(HasMetadata::getKind).collect(Collectors.toSet()));
        for (HasMetadata resource : RESOURCES) {
            List<String> unknown = new ArrayList<>();
            unknownFields(resource, resource.getKind() + "/" + resource.getMetadata().getName(), unknown,
                    new IdentityHashMap<>());
            assertEquals(List.of(), unknown, "fields the Kubernetes model does not know");
        }
    }

    /** Walks the model's getters; any non-empty additionalProperties is a field the model did not recognise. */
    private static void unknownFields(Object value, String path, List<String> out, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, true) != null || value instanceof String || value instanceof Number
                || value instanceof Boolean || value instanceof Enum) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object field = getter.invoke(value);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        out.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(field, path + "." + getter.getName().substring(3), out, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(getter.toString(), e);
            }
        }
    }

    @Test
    void theServiceAndTheProbesReachPortsThePodHasAndPosternListensOn() throws Exception {
        Deployment deployment = one(Deployment.class, "postern");
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, Integer> ports = container.getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        Service service = one(Service.class, "postern");
        for (ServicePort port : service.getSpec().getPorts()) {
            assertTrue(ports.containsKey(port.getTargetPort().getStrVal()), port.getName());
        }
        assertEquals(Map.of(993, "imaps", 143, "imap"), service.getSpec().getPorts().stream()
                .collect(Collectors.toMap(ServicePort::getPort, p -> p.getTargetPort().getStrVal())));
        assertEquals(deployment.getSpec().getTemplate().getMetadata().getLabels(), service.getSpec().getSelector());
        assertEquals("/ready", container.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/health", container.getLivenessProbe().getHttpGet().getPath());
        assertEquals("admin", container.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("admin", container.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertTrue(String.join(" ", container.getLifecycle().getPreStop().getExec().getCommand())
                .contains("/drain"), "preStop drains through the admin API");

        PosternConfig config = loadConfigMap(deployment, container);
        Map<String, Integer> listening = config.listeners().stream()
                .collect(Collectors.toMap(ListenerConfig::name, l -> l.bind().port()));
        assertEquals(Map.of("imaps", ports.get("imaps"), "imap", ports.get("imap")), listening);
        assertEquals(ports.get("admin"), config.admin().bind().port());
        assertTrue(config.listeners().stream().allMatch(l -> l.proxyProtocol() != null),
                "the load balancer sends PROXY headers: every listener must expect them");
        assertEquals("*", service.getMetadata().getAnnotations()
                .get("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"));
    }

    /**
     * The ConfigMap's postern.yaml as the pod sees it, through Postern's own loader: the files it names are where
     * the pod mounts the Secrets' keys (made here under a temporary root, with a generated certificate).
     */
    private static PosternConfig loadConfigMap(Deployment deployment, Container container) throws Exception {
        List<String> command = container.getCommand();
        String configPath = command.get(command.indexOf("--config") + 1);
        VolumeMount configMount = container.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(configPath)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + configPath));
        Volume configVolume = volume(deployment, configMount.getName());
        ConfigMap configMap = one(ConfigMap.class, configVolume.getConfigMap().getName());
        String yaml = configMap.getData().get(configMount.getSubPath());
        assertNotNull(yaml, "the ConfigMap has no key " + configMount.getSubPath());

        Path root = tmp.resolve("pod");
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = volume(deployment, mount.getName());
            if (volume.getSecret() != null) {
                Secret secret = one(Secret.class, volume.getSecret().getSecretName());
                Path dir = Files.createDirectories(root.resolve(mount.getMountPath().substring(1)));
                for (String key : secret.getStringData().keySet()) {
                    Files.writeString(dir.resolve(key), secret.getStringData().get(key), StandardCharsets.UTF_8);
                }
            }
        }
        String rooted = yaml.replace("/etc/postern/", root + "/etc/postern/");
        PosternConfig config;
        Path certs = root.resolve("etc/postern/certs");
        Files.delete(certs.resolve("tls.crt"));
        Files.delete(certs.resolve("tls.key"));
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", certs.resolve("tls.crt"),
                "key", certs.resolve("tls.key"), "self_signed_if_missing", true)));
        Path file = Files.createDirectories(root.resolve("etc/postern")).resolve("postern.yaml");
        Files.writeString(file, rooted, StandardCharsets.UTF_8);
        config = ConfigLoader.load(file);
        assertTrue(Files.isReadable(config.admin().tokenFile()), "the admin token is mounted where the config says");
        return config;
    }

    private static Volume volume(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    @Test
    void theBudgetAndTheAutoscalerPointAtTheDeployment() {
        Deployment deployment = one(Deployment.class, "postern");
        PodDisruptionBudget pdb = one(PodDisruptionBudget.class, "postern");
        assertEquals(deployment.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());
        HorizontalPodAutoscaler hpa = one(HorizontalPodAutoscaler.class, "postern");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals("postern", hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(hpa.getSpec().getMinReplicas() >= 2 && pdb.getSpec().getMinAvailable().getIntVal() >= 1);
        assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
                "a rolling update never lowers capacity");
    }
}
