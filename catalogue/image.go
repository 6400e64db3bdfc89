package catalogue

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// ImageRef is the full image reference of a service: <registry>/<image>:<tag>, or <image>:<tag> (Docker Hub) when
// registry is empty. registry is a host with an optional path, e.g. 123.dkr.ecr.ap-south-1.amazonaws.com, giving
// 123.dkr.ecr.ap-south-1.amazonaws.com/egovio/egov-user:v1.2.8-9fde481-19.
func ImageRef(s Service, registry string) string {
	return joinRef(registry, s.Image, s.Tag)
}

// MigrationImageRef is the full reference of a service's Flyway image, which carries the service's tag; "" when
// the service has no migration.
func MigrationImageRef(s Service, registry string) string {
	if s.Migration == nil {
		return ""
	}
	tag := s.Tag
	if s.Migration.Tag != "" {
		tag = s.Migration.Tag
	}
	return joinRef(registry, s.Migration.Image, tag)
}

// WorkloadImageRef is the full image reference of a workload. With a registry, the image's own registry host is
// replaced by it and its path kept (registry.k8s.io/ingress-nginx/controller mirrors to
// <registry>/ingress-nginx/controller; redis to <registry>/library/redis), which is where a mirror copies it to.
func WorkloadImageRef(w Workload, registry string) string {
	return joinRef(registry, mirrorPath(w.Image, registry), w.Tag)
}

// InitImageRef is ImageTag's counterpart of WorkloadImageRef.
func InitImageRef(i ImageTag, registry string) string {
	return joinRef(registry, mirrorPath(i.Image, registry), i.Tag)
}

// mirrorPath strips the registry host of image when it is to be prefixed by a mirror.
func mirrorPath(image, registry string) string {
	if registry == "" {
		return image
	}
	return repositoryPath(image)
}

// repositoryPath is an image's path without registry host (docker.io/library/redis and redis give library/redis).
func repositoryPath(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image // unreachable for a validated catalogue
	}
	return reference.Path(named)
}

func joinRef(registry, image, tag string) string {
	ref := image + ":" + tag
	if registry = strings.TrimSuffix(registry, "/"); registry != "" {
		ref = registry + "/" + ref
	}
	return ref
}

// checkServiceImage validates a service (or migration) image: a repository path without registry host, tag or
// digest, because the registry is the stack's business (ImageRef adds it).
func checkServiceImage(image string) error {
	const allowed = "a lowercase repository path without registry or tag, e.g. egovio/egov-user"
	if image == "" {
		return fmt.Errorf("required (%s)", allowed)
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Errorf("%q is not an image reference: %v (allowed: %s)", image, err, allowed)
	}
	if _, ok := named.(reference.Tagged); ok {
		return fmt.Errorf("%q has a tag; put it in tag (allowed: %s)", image, allowed)
	}
	if _, ok := named.(reference.Digested); ok {
		return fmt.Errorf("%q has a digest (allowed: %s)", image, allowed)
	}
	// ParseNormalizedNamed puts Docker Hub images under docker.io; anything else named its registry.
	if reference.Domain(named) != "docker.io" || strings.HasPrefix(image, "docker.io/") {
		return fmt.Errorf("%q names a registry host; the registry comes from digit:registry (allowed: %s)", image, allowed)
	}
	return nil
}

// checkWorkloadImage validates a workload image: a repository, with or without registry host, without tag or
// digest.
func checkWorkloadImage(image string) error {
	const allowed = "a repository without tag, e.g. confluentinc/cp-kafka or registry.k8s.io/ingress-nginx/controller"
	if image == "" {
		return fmt.Errorf("required (%s)", allowed)
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Errorf("%q is not an image reference: %v (allowed: %s)", image, err, allowed)
	}
	if !reference.IsNameOnly(named) {
		return fmt.Errorf("%q has a tag or digest; put the tag in tag (allowed: %s)", image, allowed)
	}
	return nil
}

// checkTag validates an image tag.
func checkTag(tag string) error {
	const allowed = "up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
	if tag == "" {
		return fmt.Errorf("required (%s)", allowed)
	}
	named, _ := reference.ParseNormalizedNamed("x")
	if _, err := reference.WithTag(named, tag); err != nil {
		return fmt.Errorf("%q is not a valid tag (allowed: %s)", tag, allowed)
	}
	return nil
}
