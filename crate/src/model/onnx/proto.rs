//! The few ONNX protobuf messages the export writes, as `prost` messages.
//!
//! Field numbers and types are those of `onnx/onnx.proto` (IR version 8); only the fields the
//! export fills are declared (a reader skips none: every field here is one ONNX defines). The
//! encoding is prost's. ONNX is a proto2 schema, where a scalar field is either present or not:
//! the attribute values are `Option`s so that a present `0` is written (onnx's checker counts the
//! value fields an attribute has), and a dimension is a `oneof`, always written.

/// `TensorProto.DataType.FLOAT`: 32-bit IEEE 754 floats.
pub const FLOAT: i32 = 1;

/// `AttributeProto.AttributeType.INT`.
pub const ATTRIBUTE_INT: i32 = 2;
/// `AttributeProto.AttributeType.STRING`.
pub const ATTRIBUTE_STRING: i32 = 3;
/// `AttributeProto.AttributeType.INTS`.
pub const ATTRIBUTE_INTS: i32 = 7;

/// The top-level container: IR version, operator sets, producer, the graph and metadata.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(string, tag = "2")]
    pub producer_name: String,
    #[prost(string, tag = "3")]
    pub producer_version: String,
    #[prost(string, tag = "6")]
    pub doc_string: String,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

/// One operator set the graph's nodes bind to (`domain` empty: the standard `ai.onnx`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    pub domain: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// A key and a value, as ONNX writes maps (`metadata_props`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

/// The computation: nodes in topological order, the weights as initializers, inputs, outputs.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    #[prost(string, tag = "10")]
    pub doc_string: String,
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// One operator applied to named values, giving named values.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
}

/// A named setting of a node: an integer (`axis`), a string (`auto_pad`) or a list of integers
/// (`kernel_shape`, `perm`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(int64, optional, tag = "3")]
    pub i: Option<i64>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub s: Option<Vec<u8>>,
    #[prost(int64, repeated, packed = "false", tag = "8")]
    pub ints: Vec<i64>,
    #[prost(int32, optional, tag = "20")]
    pub r#type: Option<i32>,
}

/// A constant tensor: its shape, element type, name and little-endian bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(string, tag = "8")]
    pub name: String,
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
}

/// A graph input or output: its name and type.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
    #[prost(string, tag = "3")]
    pub doc_string: String,
}

/// A value's type; the export's values are all tensors.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TypeProtoTensor>,
}

/// `TypeProto.Tensor`: the element type and the shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProtoTensor {
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// A shape whose dimensions are numbers or names (a named one is dynamic).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
    #[prost(oneof = "DimensionValue", tags = "1, 2")]
    pub value: Option<DimensionValue>,
}

/// A dimension's size, or the name of a size known only at run time.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum DimensionValue {
    #[prost(int64, tag = "1")]
    DimValue(i64),
    #[prost(string, tag = "2")]
    DimParam(String),
}

impl AttributeProto {
    /// An integer attribute, e.g. Flatten's `axis = 1`.
    pub fn int(name: &str, value: i64) -> Self {
        AttributeProto { name: name.into(), i: Some(value), r#type: Some(ATTRIBUTE_INT), ..Default::default() }
    }

    /// A string attribute, e.g. Conv's `auto_pad = "SAME_UPPER"`.
    pub fn string(name: &str, value: &str) -> Self {
        AttributeProto {
            name: name.into(),
            s: Some(value.as_bytes().to_vec()),
            r#type: Some(ATTRIBUTE_STRING),
            ..Default::default()
        }
    }

    /// A list of integers, e.g. Conv's `kernel_shape = [3, 3]`.
    pub fn ints(name: &str, values: &[i64]) -> Self {
        AttributeProto { name: name.into(), ints: values.to_vec(), r#type: Some(ATTRIBUTE_INTS), ..Default::default() }
    }
}

impl ValueInfoProto {
    /// A float32 tensor named `name` with dimensions `dims`.
    pub fn float_tensor(name: &str, dims: Vec<DimensionValue>, doc: &str) -> Self {
        let shape = TensorShapeProto { dim: dims.into_iter().map(|d| Dimension { value: Some(d) }).collect() };
        ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto { tensor_type: Some(TypeProtoTensor { elem_type: FLOAT, shape: Some(shape) }) }),
            doc_string: doc.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn fields_have_onnx_numbers() {
        // Field 1 (`ir_version`, varint 8) then field 2 (`producer_name`, length-delimited "x").
        let m = ModelProto { ir_version: 8, producer_name: "x".into(), ..Default::default() };
        assert_eq!(m.encode_to_vec(), [0x08, 8, 0x12, 1, b'x']);
        // A present zero is written: tag 3 varint 0, then tag 20 (`type`) varint 2.
        let a = AttributeProto::int("", 0);
        assert_eq!(a.encode_to_vec(), [0x18, 0, 0xa0, 0x01, 2]);
        // A named dimension: field 2 of the Dimension, inside field 1 of the shape.
        let s = TensorShapeProto { dim: vec![Dimension { value: Some(DimensionValue::DimParam("N".into())) }] };
        assert_eq!(s.encode_to_vec(), [0x0a, 3, 0x12, 1, b'N']);
    }
}
