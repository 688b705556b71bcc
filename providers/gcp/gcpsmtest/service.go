package gcpsmtest

import (
	"context"
	"hash/crc32"
	"sort"
	"strings"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// service implements the gRPC methods.
type service struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	s *Server
}

func (v *service) ListSecrets(_ context.Context, req *secretmanagerpb.ListSecretsRequest) (*secretmanagerpb.ListSecretsResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	parent, _, err := s.lookup(r, "secretmanager.secrets.list", req.GetParent())
	if err != nil {
		return nil, err
	}
	match, err := filterSecret(req.GetFilter())
	if err != nil {
		return nil, err
	}
	var all []*secretmanagerpb.Secret
	for name, sec := range s.secrets {
		if strings.HasPrefix(name, parent+"/secrets/") && match(sec.pb) {
			all = append(all, proto.Clone(sec.pb).(*secretmanagerpb.Secret))
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	items, next, err := page(all, req.GetPageSize(), req.GetPageToken(), s.maxPageSize)
	if err != nil {
		return nil, err
	}
	return &secretmanagerpb.ListSecretsResponse{Secrets: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func (v *service) GetSecret(_ context.Context, req *secretmanagerpb.GetSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sec, err := s.existingSecret(req.GetName(), "secretmanager.secrets.get")
	if err != nil {
		return nil, err
	}
	return proto.Clone(sec.pb).(*secretmanagerpb.Secret), nil
}

func (v *service) CreateSecret(_ context.Context, req *secretmanagerpb.CreateSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	if !secretID.MatchString(req.GetSecretId()) {
		return nil, status.Error(codes.InvalidArgument, "Secret ID must be 1-255 characters of letters, numbers, dashes and underscores.")
	}
	r.secret = req.GetSecretId()
	name, existing, err := s.lookup(r, "secretmanager.secrets.create", req.GetParent())
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, status.Errorf(codes.AlreadyExists, "Secret [%s] already exists.", name)
	}
	in := req.GetSecret()
	if in == nil {
		in = &secretmanagerpb.Secret{}
	}
	switch {
	case r.location == "" && in.GetReplication() == nil:
		return nil, status.Error(codes.InvalidArgument, "Secret.replication is required.")
	case r.location != "" && in.GetReplication() != nil:
		return nil, status.Error(codes.InvalidArgument, "Secret.replication must not be set for regional secrets.")
	}
	if err := checkLabels(in.GetLabels()); err != nil {
		return nil, err
	}
	pb := proto.Clone(in).(*secretmanagerpb.Secret)
	pb.Name, pb.CreateTime, pb.Etag = name, s.now(), s.nextEtag()
	s.secrets[name] = &secret{pb: pb}
	return proto.Clone(pb).(*secretmanagerpb.Secret), nil
}

func (v *service) AddSecretVersion(_ context.Context, req *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sec, err := s.existingSecret(req.GetParent(), "secretmanager.versions.add")
	if err != nil {
		return nil, err
	}
	data := req.GetPayload().GetData()
	if len(data) > maxPayload {
		return nil, status.Error(codes.InvalidArgument, "Secret payload data must be no larger than 65536 bytes.")
	}
	if c := req.GetPayload().DataCrc32C; c != nil && *c != int64(crc32.Checksum(data, castagnoli)) {
		return nil, status.Error(codes.InvalidArgument, "Checksum of the payload data does not match data_crc32c.")
	}
	n := s.addVersion(sec, data)
	return proto.Clone(sec.versions[n-1].pb).(*secretmanagerpb.SecretVersion), nil
}

func (v *service) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := parse(req.GetName(), "version")
	if err != nil {
		return nil, err
	}
	name, sec, err := s.lookup(r, "secretmanager.versions.access", req.GetName())
	if err != nil {
		return nil, err
	}
	if sec == nil || (r.version == "latest" && len(sec.versions) == 0) {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", name)
	}
	ver, ok := sec.resolve(r.version)
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s/versions/%s] not found.", name, r.version)
	}
	if st := ver.pb.GetState(); st != secretmanagerpb.SecretVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is in %s state.", ver.pb.Name, st)
	}
	crc := ver.crc
	return &secretmanagerpb.AccessSecretVersionResponse{
		Name:    ver.pb.Name,
		Payload: &secretmanagerpb.SecretPayload{Data: append([]byte(nil), ver.data...), DataCrc32C: &crc},
	}, nil
}

func (v *service) ListSecretVersions(_ context.Context, req *secretmanagerpb.ListSecretVersionsRequest) (*secretmanagerpb.ListSecretVersionsResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sec, err := s.existingSecret(req.GetParent(), "secretmanager.versions.list")
	if err != nil {
		return nil, err
	}
	var state string
	if f := strings.TrimSpace(req.GetFilter()); f != "" {
		field, op, value, err := splitTerm(f)
		if err != nil || field != "state" || op != ":" || secretmanagerpb.SecretVersion_State_value[value] == 0 {
			return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: [%s].", f)
		}
		state = value
	}
	var all []*secretmanagerpb.SecretVersion
	for i := len(sec.versions) - 1; i >= 0; i-- { // newest first
		if pb := sec.versions[i].pb; state == "" || pb.GetState().String() == state {
			all = append(all, proto.Clone(pb).(*secretmanagerpb.SecretVersion))
		}
	}
	items, next, err := page(all, req.GetPageSize(), req.GetPageToken(), s.maxPageSize)
	if err != nil {
		return nil, err
	}
	return &secretmanagerpb.ListSecretVersionsResponse{Versions: items, NextPageToken: next, TotalSize: int32(len(all))}, nil
}

func (v *service) UpdateSecret(_ context.Context, req *secretmanagerpb.UpdateSecretRequest) (*secretmanagerpb.Secret, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	in := req.GetSecret()
	_, sec, err := s.existingSecret(in.GetName(), "secretmanager.secrets.update")
	if err != nil {
		return nil, err
	}
	if in.GetEtag() != "" && in.GetEtag() != sec.pb.Etag {
		return nil, status.Error(codes.FailedPrecondition, "The etag provided in the request does not match the current etag of the secret.")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, status.Error(codes.InvalidArgument, "update_mask is required.")
	}
	if err := checkLabels(in.GetLabels()); err != nil {
		return nil, err
	}
	for _, p := range paths {
		switch p {
		case "labels":
			sec.pb.Labels = in.GetLabels()
		case "annotations":
			sec.pb.Annotations = in.GetAnnotations()
		case "topics":
			sec.pb.Topics = in.GetTopics()
		default:
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path [%s] is not supported.", p)
		}
	}
	sec.pb.Etag = s.nextEtag()
	return proto.Clone(sec.pb).(*secretmanagerpb.Secret), nil
}

func (v *service) DeleteSecret(_ context.Context, req *secretmanagerpb.DeleteSecretRequest) (*emptypb.Empty, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	name, sec, err := s.existingSecret(req.GetName(), "secretmanager.secrets.delete")
	if err != nil {
		return nil, err
	}
	if req.GetEtag() != "" && req.GetEtag() != sec.pb.Etag {
		return nil, status.Error(codes.FailedPrecondition, "The etag provided in the request does not match the current etag of the secret.")
	}
	delete(s.secrets, name)
	return &emptypb.Empty{}, nil
}
