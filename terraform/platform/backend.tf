# Remote state in S3 with native locking; the bucket, key and region come from a backend file:
#   terraform init -backend-config=backend.hcl   (see backend.hcl.example)
terraform {
  backend "s3" {}
}
