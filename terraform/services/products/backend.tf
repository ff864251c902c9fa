# Remote state in S3 with native locking, one key per root (see backend.hcl.example):
#   terraform init -backend-config=backend.hcl
terraform {
  backend "s3" {}
}
