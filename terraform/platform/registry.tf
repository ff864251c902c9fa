# One repository per image; ECS runs :<tag>, Lambda :<tag>-lambda (docker/lambda/Dockerfile). Tags
# are immutable: each team pushes its own release tag and applies its own root.
resource "aws_ecr_repository" "service" {
  for_each = toset(concat(local.services, ["gateway"]))

  name                 = "shopsmart/${each.key}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.secrets.arn
  }
}

resource "aws_ecr_lifecycle_policy" "service" {
  for_each = aws_ecr_repository.service

  repository = each.value.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 50 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 50 }
      action       = { type = "expire" }
    }]
  })
}
